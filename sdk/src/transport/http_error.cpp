// HTTP status and OperationOutcome bodies → vft::Error (VFT-HTTP-0NNN / VFT-VKP-XXYY).
#include "vft/transport/http_error.hpp"

#include <rapidjson/document.h>

#include <cstdio>
#include <optional>

#include "json/json_util.hpp"
#include "transport/text.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/transport/retry.hpp"

namespace vft::transport {

namespace {

using vft::detail::JValue;
using vft::detail::member;
using vft::detail::str_member;

// Error bodies are small; a huge one is not parsed (its status still maps).
constexpr size_t kMaxOutcomeBytes = 1u << 20;

struct StatusText {
    std::string message;
    std::string hint;
};

StatusText describe_status(const HttpResponse& r) {
    const int s = r.status;
    switch (s) {
        case 400:
            return {"the receiver rejected the request as invalid (400)",
                    "fix the message; sending it again unchanged will fail again"};
        case 401:
            return {"not authenticated (401): the access token is missing, expired or not accepted",
                    "get a new token; check the client id, key, token endpoint and, for DPoP, the "
                    "proof"};
        case 403:
            return {"not allowed (403): authenticated, but this client may not do this",
                    "check the scope for this resource, that the organisation number is one this "
                    "client may send to, and that the municipality granted the ServiceCodes"};
        case 404:
            return {"not found (404)",
                    "check the base URL, the organisation number and the resource path"};
        case 405:
            return {"method not allowed (405)", "check the method and path against the API"};
        case 406:
            return {"not acceptable (406)", "send Accept: application/fhir+json"};
        case 408:
            return {"the receiver timed out waiting for the request (408)", "retry later"};
        case 409:
            return {"conflict with the receiver's state (409), e.g. an identifier seen before",
                    "do not resend with a new identifier; look up what the receiver holds"};
        case 410:
            return {"gone (410): the resource or endpoint no longer exists", ""};
        case 413:
            return {"body over the receiver's limit (413)",
                    "send a smaller body: split the batch or reduce attachments"};
        case 415:
            return {"unsupported media type (415)",
                    "Content-Type must be application/fhir+json (form searches: "
                    "application/x-www-form-urlencoded)"};
        case 422:
            return {"the receiver could not process the content (422)",
                    "validate the message against the profiles before sending"};
        case 425:
            return {"too early (425)", "retry later"};
        case 429:
            return {"rate limited (429)", "slow down; retry after the time given in Retry-After"};
        case 500:
            return {"the receiver failed (500)", "retry later; report it if it persists"};
        case 501:
            return {"not implemented by the receiver (501)", "this receiver does not offer it"};
        case 502:
            return {"bad gateway (502): a proxy got no usable answer from the receiver",
                    "retry later"};
        case 503:
            return {"the receiver is unavailable (503)",
                    "retry later (after Retry-After if given)"};
        case 504:
            return {"gateway timeout (504): the receiver did not answer a proxy in time",
                    "retry later with the same identifier; the message may have been journaled"};
        default:
            break;
    }
    if (s >= 300 && s < 400) {
        std::string loc = r.header("Location");
        return {"redirect (" + std::to_string(s) + ") not followed" +
                    (loc.empty() ? std::string() : " to " + redact_for_log(loc)),
                "check the base URL; vft never follows redirects on its own"};
    }
    if (s >= 500 && s < 600)
        return {"server error (" + std::to_string(s) + ")",
                retryable_status(s) ? "retry later" : "a permanent server-side condition"};
    if (s >= 400 && s < 500) return {"client error (" + std::to_string(s) + ")", ""};
    return {"unexpected HTTP status " + std::to_string(s), ""};
}

struct VkpCode {
    int major = 0;
    int minor = 0;
};

// "2.1" -> {2, 1}; "3" -> {3, 0}. Both parts one or two digits.
std::optional<VkpCode> parse_vkp_code(std::string_view code) {
    VkpCode out;
    auto number = [](std::string_view s, int& v) {
        if (s.empty() || s.size() > 2) return false;
        v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + (c - '0');
        }
        return true;
    };
    const size_t dot = code.find('.');
    if (!number(code.substr(0, dot), out.major)) return std::nullopt;
    if (dot != std::string_view::npos && !number(code.substr(dot + 1), out.minor))
        return std::nullopt;
    return out;
}

std::string vkp_hint(const VkpCode& c) {
    const int key = c.major * 100 + c.minor;
    switch (key) {
        case 101:
            return "NotActive: the sending system is not active in VKP";
        case 102:
            return "NotAllowed: VKP's authorisation register does not let this system send to "
                   "this organisation number";
        case 103:
            return "MissingActiveService: the patient has no active service matching the "
                   "ServiceCodes header (tjenstlig behov); check the header and the "
                   "municipality's partner profile";
        case 104:
            return "NoAccess: the system has no access to this resource";
        case 105:
            return "NotAuthorized: the token is not authorised for this request";
        case 201:
            return "InvalidSsn: check the patient's fødselsnummer or D-number";
        case 202:
            return "InvalidOrg: the organisation number is malformed or not served";
        case 203:
            return "InvalidParameterCount: check the search parameters";
        case 204:
            return "InvalidFormat: the message does not have the expected format";
        case 301:
            return "TimedOut: the EPJ did not answer in time; retry later";
        default:
            break;
    }
    switch (c.major) {
        case 1:
            return "forbidden (VKP category 1)";
        case 2:
            return "invalid data (VKP category 2)";
        case 3:
            return "other error (VKP category 3)";
        default:
            return {};
    }
}

// The person-readable text of an issue: details.text, else diagnostics, else a coding display.
std::string issue_text(const JValue& issue) {
    const JValue* details = member(issue, "details");
    if (details) {
        if (auto t = str_member(*details, "text"); !t.empty()) return std::string(t);
    }
    if (auto d = str_member(issue, "diagnostics"); !d.empty()) return std::string(d);
    if (details) {
        if (const JValue* codings = member(*details, "coding"); codings && codings->IsArray())
            for (const auto& c : codings->GetArray())
                if (auto disp = str_member(c, "display"); !disp.empty()) return std::string(disp);
    }
    return {};
}

std::string issue_location(const JValue& issue) {
    for (const char* name : {"expression", "location"})
        if (const JValue* v = member(issue, name); v && v->IsArray() && !v->Empty())
            if (auto s = vft::detail::str(&(*v)[0]); !s.empty()) return std::string(s);
    return {};
}

std::optional<VkpCode> issue_vkp_code(const JValue& issue) {
    const JValue* details = member(issue, "details");
    const JValue* codings = details ? member(*details, "coding") : nullptr;
    if (!codings || !codings->IsArray()) return std::nullopt;
    for (const auto& c : codings->GetArray())
        if (str_member(c, "system") == vkp_operation_outcome_system)
            if (auto code = parse_vkp_code(str_member(c, "code"))) return code;
    return std::nullopt;
}

}  // namespace

Error error_from_response(const HttpResponse& response) {
    Error e;
    const int status = response.status;
    e.code = errc::http_status_code(status);
    e.http_status = status;
    e.retryable = retryable_status(status);
    StatusText st = describe_status(response);
    e.message = st.message;
    e.hint = st.hint;

    // Only a JSON object can be an OperationOutcome; skip the parse for anything else.
    std::string_view body = detail::trim_ows(response.body);
    while (!body.empty() && (body.front() == '\n' || body.front() == '\r'))
        body.remove_prefix(1);
    if (body.empty() || body.front() != '{' || body.size() > kMaxOutcomeBytes) return e;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject() ||
        str_member(doc, "resourceType") != "OperationOutcome")
        return e;
    // The whole outcome travels with the error (person numbers masked), so a caller reads every
    // issue (vft::client::issues_of) rather than this one-line summary.
    e.outcome = mask_person_ids(body);
    const JValue* issues = member(doc, "issue");
    if (!issues || !issues->IsArray() || issues->Empty()) return e;

    // The first issue carrying a VKP code leads; without one, the first issue does.
    const JValue* lead = &(*issues)[0];
    std::optional<VkpCode> vkp;
    for (const auto& issue : issues->GetArray())
        if (auto c = issue_vkp_code(issue)) {
            lead = &issue;
            vkp = c;
            break;
        }

    std::string text = issue_text(*lead);
    size_t others = 0;
    std::string more;
    for (const auto& issue : issues->GetArray()) {
        if (&issue == lead) continue;
        ++others;
        if (others <= 3)
            if (auto t = issue_text(issue); !t.empty()) more += (more.empty() ? "" : "; ") + t;
    }
    if (vkp) {
        e.code = errc::vkp_code(vkp->major, vkp->minor);
        const std::string vkp_name = std::to_string(vkp->major) + "." + std::to_string(vkp->minor);
        if (text.empty()) text = st.message;
        text += " (VKP " + vkp_name + ", HTTP " + std::to_string(status) + ")";
        if (auto h = vkp_hint(*vkp); !h.empty()) e.hint = h;
    } else if (!text.empty()) {
        text = st.message + ": " + text;
    } else {
        text = st.message;
    }
    if (others > 0)
        text += " [+" + std::to_string(others) + (others == 1 ? " more issue" : " more issues") +
                (more.empty() ? "" : ": " + more) + "]";
    e.message = mask_person_ids(text);
    e.location = issue_location(*lead);
    return e;
}

}  // namespace vft::transport
