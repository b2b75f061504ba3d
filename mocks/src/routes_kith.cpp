// KITH (a MsgHead with a Dialogmelding over HTTP) mapped to the receiver core: every message
// gets an AppRec in the response (OK, or rejected with kodeverk 8221 codes); an accepted one is
// journaled once per MsgId and a resend gets the same AppRec.
#include <algorithm>
#include <chrono>

#include "receiver_core.hpp"
#include "vft/core/uuid.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"

namespace vft::mocks::detail {

namespace {

// Who this receiver is in KITH terms (fixtures/persons: Testkommune Nord helse og omsorg).
kith::Organisation self() {
    return {"Testkommune Nord helse og omsorg", "921000006", "8143061", std::nullopt};
}

void message(ReceiverCore& core, const http::Request& req, http::Response& res) {
    const std::string ct = req.get_header_value("Content-Type");
    const std::string base = ct.substr(0, ct.find(';'));
    if (base != "application/xml" && base != "text/xml" &&
        !core.defects.has(Defect::accepts_wrong_content_type))
        return reply(res, 415,
                     vkp_outcome("2.4", "ugyldig format", "Content-Type must be application/xml",
                                 "not-supported"));
    const auto report = core.validator.validate(req.body, {core.options.level, "kith"});
    std::vector<kith::AppRecError> errors;
    std::string first;  // the first finding, for OT
    for (const auto& i : report.issues) {
        if (i.severity != Severity::error && i.severity != Severity::fatal) continue;
        // kodeverk 8221: T01 not XML, T02 XSD, T10 unsupported, E31 wrong fødselsnummer, T99
        // other format.
        const char* code = i.rule == "KITH-XML-001"                                 ? "T01"
                           : i.rule == "KITH-XML-002"                               ? "T10"
                           : i.rule == "KITH-MSG-003"                               ? "E31"
                           : (i.rule == "KITH-XSD-001" || i.rule == "KITH-MSG-005") ? "T02"
                                                                                    : "T99";
        if (std::none_of(errors.begin(), errors.end(),
                         [&](const auto& e) { return e.code == code; }))
            errors.push_back({code, "", i.rule + " " + i.path + ": " + i.message});
    }
    auto original = kith::read_dialog_message(req.body);
    if (errors.empty() && !original) errors.push_back({"T99", "", original.error().message});
    if (errors.empty() && !core.epj.find(original->patient.id))
        errors.push_back({"E35", "", "the patient is not known in this municipality's journal"});
    kith::AppRec apprec;
    // Not readable, or not answerable as read: acknowledge what can be recovered (MsgId), to
    // an unknown sender, rejected with the reason. Every KITH message gets an AppRec; 500 is
    // left for the receiver's own faults (issue 13).
    auto unaddressed = [&](std::vector<kith::AppRecError> why) {
        kith::AppRec a;
        a.sender = self();
        a.receiver = {"Ukjent avsender", "", "0", std::nullopt};
        a.status = kith::AppRecStatus::rejected;
        a.errors = std::move(why);
        // The reasons may quote what could not be read: no control characters, which XML
        // 1.0 cannot carry and the receipt would fail on.
        for (auto& e : a.errors)
            for (std::string* t : {&e.text, &e.detail})
                for (char& c : *t) {
                    const auto u = static_cast<unsigned char>(c);
                    if ((u < 0x20 && c != '\t' && c != '\n') || u == 0x7F) c = '?';
                }
        const auto at = req.body.find("<MsgId>"), end = req.body.find("</MsgId>");
        a.original_msg_id = at != std::string::npos && end > at && end - at - 7 <= 200
                                ? req.body.substr(at + 7, end - at - 7)
                                : "";
        // Copied only when it is an identifier (a GUID in practice): anything else the
        // receipt could not carry.
        if (a.original_msg_id.empty() ||
            !std::all_of(a.original_msg_id.begin(), a.original_msg_id.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                       c == '.' || c == ':' || c == '{' || c == '}';
            }))
            a.original_msg_id = "ukjent";
        a.original_issue_date =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        return a;
    };
    if (original)
        apprec = kith::apprec_for(
            *original, errors.empty() ? kith::AppRecStatus::ok : kith::AppRecStatus::rejected,
            errors);
    else
        apprec = unaddressed(errors);
    if (core.defects.has(Defect::apprec_wrong_status) && apprec.status != kith::AppRecStatus::ok) {
        apprec.status = kith::AppRecStatus::ok;  // "OK" for a message it could not take
        apprec.errors.clear();
    }
    if (core.defects.has(Defect::apprec_wrong_original_msgid))
        apprec.original_msg_id = new_uuid();  // correlates with nothing the sender sent
    auto built = kith::build_apprec(apprec);
    if (!built && original) {
        // The message is readable but its sender cannot be written into a receipt (text
        // XML cannot carry): rejected, T99, with the reason.
        errors.push_back({"T99", "",
                          "the AppRec cannot be addressed to the sender: " +
                              built.error().location + ": " + built.error().message});
        apprec = unaddressed(errors);
        original = built.error();  // not journaled: it was not accepted
        built = kith::build_apprec(apprec);
    }
    if (!built && apprec.status == kith::AppRecStatus::rejected) {
        // Last resort: the reasons in ASCII (a quoted byte sequence that is not UTF-8).
        for (auto& e : apprec.errors)
            for (std::string* t : {&e.text, &e.detail})
                for (char& c : *t)
                    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
        built = kith::build_apprec(apprec);
    }
    if (!built)  // even the receipt to an unknown sender failed: a fault of this receiver
        return reply(res, 500, vkp_outcome("3", "annen feil", built.error().message, "exception"));
    if (!original) return reply(res, 200, built->body, "application/xml; charset=utf-8");
    // A message is received once: a resend of the same MsgId gets the same AppRec.
    auto stored = core.journal->record_once(
        "kith", original->msg_id, "MsgHead", "", req.body, [&](const std::string&) {
            return StoredOutcome{200, built->body, {}, "application/xml; charset=utf-8", 1};
        });
    if (!stored)
        return reply(res, 500, vkp_outcome("3", "annen feil", stored.error().message, "exception"));
    if (stored->count > 1) res.set_header("X-Vft-Duplicate", std::to_string(stored->count));
    reply(res, stored->status, stored->body, "application/xml; charset=utf-8");
}

}  // namespace

void add_kith_routes(http::Router& router, ReceiverCore& core) {
    router.Post("/kith/messages", [&core](const http::Request& req, http::Response& res) {
        message(core, req, res);
    });
}

}  // namespace vft::mocks::detail
