// report.json I/O (DESIGN.md "report.json"): to_json writes members in one fixed order with
// 2-space indentation so the same Report always gives the same bytes (signatures are over them);
// from_json reads it back strictly, naming the member path of anything wrong.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <optional>
#include <string>
#include <type_traits>

#include "vft/core/error_codes.hpp"
#include "vft/reports/report.hpp"

namespace vft::reports {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;
using JValue = rapidjson::Value;

void key(Writer& w, const char* k) {
    w.Key(k);
}
void str(Writer& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void kv(Writer& w, const char* k, std::string_view v) {
    key(w, k);
    str(w, v);
}
void kv_int(Writer& w, const char* k, int64_t v) {
    key(w, k);
    w.Int64(v);
}
void string_array(Writer& w, const char* k, const std::vector<std::string>& values) {
    key(w, k);
    w.StartArray();
    for (const auto& v : values)
        str(w, v);
    w.EndArray();
}
void headers(Writer& w, const char* k, const std::vector<Header>& hs) {
    key(w, k);
    w.StartArray();
    for (const auto& h : hs) {
        w.StartObject();
        kv(w, "name", h.name);
        kv(w, "value", h.value);
        w.EndObject();
    }
    w.EndArray();
}

void write_exchange(Writer& w, const Exchange& e) {
    w.StartObject();
    kv(w, "direction", e.direction);
    kv(w, "note", e.note);
    kv(w, "method", e.method);
    kv(w, "url", e.url);
    headers(w, "request_headers", e.request_headers);
    kv(w, "request_body", e.request_body);
    kv(w, "request_sha256", e.request_sha256);
    kv_int(w, "status", e.status);
    headers(w, "response_headers", e.response_headers);
    kv(w, "response_body", e.response_body);
    kv(w, "response_sha256", e.response_sha256);
    kv(w, "error", e.error);
    kv(w, "started", e.started);
    kv_int(w, "elapsed_ms", e.elapsed_ms);
    w.EndObject();
}

void write_test(Writer& w, const TestResult& t) {
    w.StartObject();
    kv(w, "id", t.id);
    kv(w, "group", t.group);
    kv(w, "module", t.module);
    kv(w, "title", t.title);
    kv(w, "spec_ref", t.spec_ref);
    kv(w, "status", to_string(t.status));
    key(w, "mandatory");
    w.Bool(t.mandatory);
    string_array(w, "messages", t.messages);
    string_array(w, "requirements", t.requirements);
    kv_int(w, "duration_ms", t.duration_ms);
    key(w, "exchanges");
    w.StartArray();
    for (const auto& e : t.exchanges)
        write_exchange(w, e);
    w.EndArray();
    w.EndObject();
}

void write_summary(Writer& w, const Summary& s) {
    key(w, "summary");
    w.StartObject();
    kv_int(w, "pass", s.pass);
    kv_int(w, "fail", s.fail);
    kv_int(w, "skip", s.skip);
    kv_int(w, "omit", s.omit);
    kv_int(w, "error", s.error);
    kv_int(w, "mandatory", s.mandatory);
    kv_int(w, "mandatory_passed", s.mandatory_passed);
    w.EndObject();
}

// ---- reading ------------------------------------------------------------------------------

Error bad(std::string_view code, std::string path, std::string message, std::string hint = {}) {
    Error e;
    e.code = std::string(code);
    e.message = std::move(message);
    e.location = std::move(path);
    e.hint = std::move(hint);
    return e;
}

// Reads members of one object; the first problem is kept (with its path) and later reads are
// no-ops, so the parse code stays linear.
class Reader {
  public:
    Reader(const JValue& obj, std::string path, std::optional<Error>& err)
        : obj_(obj), path_(std::move(path)), err_(err) {
        if (!obj_.IsObject() && !err_) {
            err_ = bad(errc::report_member, path_, "expected a JSON object");
        }
    }

    const JValue* get(const char* name, bool required = true) {
        if (err_ || !obj_.IsObject()) return nullptr;
        auto it = obj_.FindMember(name);
        if (it == obj_.MemberEnd()) {
            if (required)
                err_ = bad(errc::report_member, at(name), "required member is missing",
                           "was the file written by vft run (format vft-report/1)?");
            return nullptr;
        }
        return &it->value;
    }
    std::string at(const char* name) const { return path_.empty() ? name : path_ + "." + name; }

    void string(const char* name, std::string& out, bool required = true) {
        const JValue* v = get(name, required);
        if (!v) return;
        if (!v->IsString()) {
            err_ = bad(errc::report_member, at(name), "expected a string");
            return;
        }
        out.assign(v->GetString(), v->GetStringLength());
    }
    template <typename Int>
    void integer(const char* name, Int& out) {
        const JValue* v = get(name);
        if (!v) return;
        if constexpr (std::is_same_v<Int, uint64_t>) {
            if (!v->IsUint64()) {
                err_ = bad(errc::report_member, at(name), "expected a non-negative integer");
                return;
            }
            out = v->GetUint64();
        } else {
            if (!v->IsInt64()) {
                err_ = bad(errc::report_member, at(name), "expected an integer");
                return;
            }
            out = static_cast<Int>(v->GetInt64());
        }
    }
    void boolean(const char* name, bool& out) {
        const JValue* v = get(name);
        if (!v) return;
        if (!v->IsBool()) {
            err_ = bad(errc::report_member, at(name), "expected true or false");
            return;
        }
        out = v->GetBool();
    }
    void strings(const char* name, std::vector<std::string>& out) {
        const JValue* v = get(name);
        if (!v) return;
        if (!v->IsArray()) {
            err_ = bad(errc::report_member, at(name), "expected an array of strings");
            return;
        }
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
            const JValue& s = (*v)[i];
            if (!s.IsString()) {
                err_ = bad(errc::report_member, at(name) + "[" + std::to_string(i) + "]",
                           "expected a string");
                return;
            }
            out.emplace_back(s.GetString(), s.GetStringLength());
        }
    }
    // Calls f(element, path) for each element of an array member.
    template <typename F>
    void array(const char* name, F&& f) {
        const JValue* v = get(name);
        if (!v) return;
        if (!v->IsArray()) {
            err_ = bad(errc::report_member, at(name), "expected an array");
            return;
        }
        for (rapidjson::SizeType i = 0; i < v->Size() && !err_; ++i)
            f((*v)[i], at(name) + "[" + std::to_string(i) + "]");
    }
    bool failed() const { return err_.has_value(); }
    std::optional<Error>& err() { return err_; }

  private:
    const JValue& obj_;
    std::string path_;
    std::optional<Error>& err_;
};

void read_headers(Reader& r, const char* name, std::vector<Header>& out) {
    r.array(name, [&](const JValue& v, const std::string& path) {
        Reader h(v, path, r.err());
        Header hd;
        h.string("name", hd.name);
        h.string("value", hd.value);
        out.push_back(std::move(hd));
    });
}

Exchange read_exchange(const JValue& v, const std::string& path, std::optional<Error>& err) {
    Exchange e;
    Reader r(v, path, err);
    r.string("direction", e.direction);
    if (!r.failed() && e.direction != "outbound" && e.direction != "inbound")
        err = bad(errc::report_value, r.at("direction"),
                  "direction '" + e.direction + "' is neither outbound nor inbound");
    r.string("note", e.note);
    r.string("method", e.method);
    r.string("url", e.url);
    read_headers(r, "request_headers", e.request_headers);
    r.string("request_body", e.request_body);
    r.string("request_sha256", e.request_sha256);
    r.integer("status", e.status);
    read_headers(r, "response_headers", e.response_headers);
    r.string("response_body", e.response_body);
    r.string("response_sha256", e.response_sha256);
    r.string("error", e.error);
    r.string("started", e.started);
    r.integer("elapsed_ms", e.elapsed_ms);
    return e;
}

TestResult read_test(const JValue& v, const std::string& path, std::optional<Error>& err) {
    TestResult t;
    Reader r(v, path, err);
    r.string("id", t.id);
    r.string("group", t.group);
    r.string("module", t.module);
    r.string("title", t.title);
    r.string("spec_ref", t.spec_ref);
    std::string status;
    r.string("status", status);
    if (!r.failed()) {
        auto s = status_from_string(status);
        if (!s)
            err = bad(errc::report_value, r.at("status"), "unknown status '" + status + "'",
                      "one of pass, fail, skip, omit, error");
        else
            t.status = *s;
    }
    r.boolean("mandatory", t.mandatory);
    r.strings("messages", t.messages);
    r.strings("requirements", t.requirements);
    r.integer("duration_ms", t.duration_ms);
    r.array("exchanges", [&](const JValue& e, const std::string& p) {
        t.exchanges.push_back(read_exchange(e, p, err));
    });
    return t;
}

}  // namespace

std::string to_json(const Report& report) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.SetIndent(' ', 2);
    w.StartObject();
    kv(w, "format", report.format);
    kv(w, "suite", report.suite);
    kv(w, "suite_version", report.suite_version);
    kv(w, "tool_version", report.tool_version);
    kv(w, "validator_version", report.validator_version);
    key(w, "spec_packages");
    w.StartArray();
    for (const auto& p : report.spec_packages) {
        w.StartObject();
        kv(w, "id", p.id);
        kv(w, "version", p.version);
        kv(w, "sha256", p.sha256);
        w.EndObject();
    }
    w.EndArray();
    key(w, "fixture_hashes");
    w.StartObject();
    for (const auto& [path, hash] : report.fixture_hashes)
        kv(w, path.c_str(), hash);
    w.EndObject();
    kv(w, "role", report.role);
    if (report.operator_driven) {
        key(w, "operator_driven");
        w.Bool(true);
    }
    key(w, "sut");
    {
        // The SUT file is an object; one that does not parse (never written by the runner) is
        // kept as an empty object rather than producing invalid JSON.
        rapidjson::Document sut;
        sut.Parse(report.sut_json.data(), report.sut_json.size());
        if (sut.HasParseError() || !sut.IsObject()) sut.SetObject();
        sut.Accept(w);
    }
    kv(w, "run_id", report.run_id);
    kv(w, "fnr_salt", report.fnr_salt);
    key(w, "seed");
    w.Uint64(report.seed);
    kv(w, "started", report.started);
    kv(w, "finished", report.finished);
    kv(w, "verdict", to_string(report.verdict));
    write_summary(w, report.summary);
    string_array(w, "modules_passed", report.modules_passed);
    key(w, "tests");
    w.StartArray();
    for (const auto& t : report.tests)
        write_test(w, t);
    w.EndArray();
    if (report.traceability) {
        const auto& tr = *report.traceability;
        key(w, "traceability");
        w.StartObject();
        kv_int(w, "shall", tr.shall);
        kv_int(w, "shall_checked", tr.shall_checked);
        kv_int(w, "shall_met", tr.shall_met);
        key(w, "requirements");
        w.StartArray();
        for (const auto& q : tr.requirements) {
            w.StartObject();
            kv(w, "id", q.id);
            kv(w, "level", q.level);
            kv(w, "statement", q.statement);
            kv(w, "source", q.source);
            kv(w, "result", q.result);
            string_array(w, "tests", q.tests);
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }
    w.EndObject();
    std::string out(buf.GetString(), buf.GetSize());
    out += '\n';
    return out;
}

Result<Report> from_json(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    if (doc.HasParseError()) {
        return bad(errc::report_syntax, "offset " + std::to_string(doc.GetErrorOffset()),
                   std::string("report.json is not valid JSON: ") +
                       rapidjson::GetParseError_En(doc.GetParseError()),
                   "the file is damaged or not a report.json");
    }
    std::optional<Error> err;
    Report rep;
    Reader r(doc, "", err);
    r.string("format", rep.format);
    if (!r.failed() && rep.format != "vft-report/1")
        return bad(errc::report_value, "format", "unsupported report format '" + rep.format + "'",
                   "this vft reads vft-report/1; use the vft version that wrote the file");
    r.string("suite", rep.suite);
    r.string("suite_version", rep.suite_version);
    r.string("tool_version", rep.tool_version);
    r.string("validator_version", rep.validator_version);
    r.array("spec_packages", [&](const JValue& v, const std::string& path) {
        Reader p(v, path, err);
        SpecPackage sp;
        p.string("id", sp.id);
        p.string("version", sp.version);
        p.string("sha256", sp.sha256);
        rep.spec_packages.push_back(std::move(sp));
    });
    if (const JValue* fh = r.get("fixture_hashes")) {
        if (!fh->IsObject()) {
            err = bad(errc::report_member, "fixture_hashes", "expected an object");
        } else {
            for (auto it = fh->MemberBegin(); it != fh->MemberEnd() && !err; ++it) {
                std::string name(it->name.GetString(), it->name.GetStringLength());
                if (!it->value.IsString()) {
                    err = bad(errc::report_member, "fixture_hashes." + name, "expected a string");
                    break;
                }
                rep.fixture_hashes[name] =
                    std::string(it->value.GetString(), it->value.GetStringLength());
            }
        }
    }
    r.string("role", rep.role);
    if (r.get("operator_driven", false)) r.boolean("operator_driven", rep.operator_driven);
    if (const JValue* sut = r.get("sut")) {
        if (!sut->IsObject()) {
            err = bad(errc::report_member, "sut", "expected an object (the SUT file)");
        } else {
            rapidjson::StringBuffer sb;
            rapidjson::Writer<rapidjson::StringBuffer> sw(sb);
            sut->Accept(sw);
            rep.sut_json.assign(sb.GetString(), sb.GetSize());
        }
    }
    r.string("run_id", rep.run_id);
    r.string("fnr_salt", rep.fnr_salt);
    r.integer("seed", rep.seed);
    r.string("started", rep.started);
    r.string("finished", rep.finished);
    std::string verdict;
    r.string("verdict", verdict);
    if (!r.failed()) {
        auto v = verdict_from_string(verdict);
        if (!v)
            return bad(errc::report_value, "verdict", "unknown verdict '" + verdict + "'",
                       "one of pass, fail, incomplete");
        rep.verdict = *v;
    }
    if (const JValue* s = r.get("summary")) {
        Reader sr(*s, "summary", err);
        sr.integer("pass", rep.summary.pass);
        sr.integer("fail", rep.summary.fail);
        sr.integer("skip", rep.summary.skip);
        sr.integer("omit", rep.summary.omit);
        sr.integer("error", rep.summary.error);
        sr.integer("mandatory", rep.summary.mandatory);
        sr.integer("mandatory_passed", rep.summary.mandatory_passed);
    }
    r.strings("modules_passed", rep.modules_passed);
    r.array("tests", [&](const JValue& v, const std::string& path) {
        rep.tests.push_back(read_test(v, path, err));
    });
    if (const JValue* tv = r.get("traceability", false)) {
        Traceability tr;
        Reader t(*tv, "traceability", err);
        t.integer("shall", tr.shall);
        t.integer("shall_checked", tr.shall_checked);
        t.integer("shall_met", tr.shall_met);
        t.array("requirements", [&](const JValue& v, const std::string& path) {
            Reader q(v, path, err);
            RequirementResult rr;
            q.string("id", rr.id);
            q.string("level", rr.level);
            q.string("statement", rr.statement);
            q.string("source", rr.source);
            q.string("result", rr.result);
            if (!q.failed() && rr.result != "met" && rr.result != "failed" &&
                rr.result != "not checked")
                err = bad(errc::report_value, q.at("result"), "unknown result '" + rr.result + "'",
                          "one of met, failed, not checked");
            q.strings("tests", rr.tests);
            tr.requirements.push_back(std::move(rr));
        });
        rep.traceability = std::move(tr);
    }
    if (err) return *err;
    return rep;
}

}  // namespace vft::reports
