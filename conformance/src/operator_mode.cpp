// Operator mode: the task a person is shown for an instruction, and asking them.
#include "operator_mode.hpp"

#include <rapidjson/document.h>

#include <exception>

namespace vft::conformance::detail {
namespace {

std::string str(const rapidjson::Value& o, const char* name) {
    return o.IsObject() && o.HasMember(name) && o[name].IsString() ? o[name].GetString() : "";
}
const rapidjson::Value& obj(const rapidjson::Value& o, const char* name) {
    static const rapidjson::Value none(rapidjson::kObjectType);
    return o.IsObject() && o.HasMember(name) && o[name].IsObject() ? o[name] : none;
}

// "12854812341" → "128548*****": enough to pick the synthetic person, not the whole number.
std::string masked(const std::string& fnr) {
    if (fnr.size() != 11) return fnr.empty() ? "" : "(number in the instruction file)";
    return fnr.substr(0, 6) + "*****";
}

std::string quoted(const std::string& text) {
    const size_t max = 160;
    std::string t = text.size() > max ? text.substr(0, max) + "…" : text;
    return "\"" + t + "\"";
}

}  // namespace

OperatorTask operator_task(const std::string& instruction_json, const std::string& instruction_path,
                           std::chrono::seconds timeout) {
    OperatorTask t;
    t.instruction_path = instruction_path;
    t.timeout = timeout;
    rapidjson::Document in;
    in.Parse(instruction_json.c_str());
    if (in.HasParseError() || !in.IsObject()) {
        t.task = "Carry out the instruction in " + instruction_path + ", then press Enter.";
        return t;
    }
    t.test_id = str(in, "test_id");
    t.action = str(in, "action");
    t.endpoint = str(in, "endpoint");
    t.token_url = str(in, "token_url");
    const auto& event = obj(in, "event");
    const auto& p = obj(in, "patient");
    const std::string who = "the test patient " + str(p, "name") +
                            (str(p, "fnr").empty() ? "" : " (" + masked(str(p, "fnr")) + ")");
    const std::string api = str(in, "api");
    const std::string orgnr = str(in, "orgnr");
    std::string what, path;
    if (t.action == "report-alarm") {
        what = "Trigger a safety alarm (alert code " + str(event, "alert_code") + ") for " + who +
               " on the device, and let the response centre handle it with the note " +
               quoted(str(event, "text"));
        path = api == "jft" ? "/v1/Bundle" : "/epj/r4/" + orgnr + "/bundle";
    } else if (t.action == "report-medication-dispense") {
        what = "Hand over the dose (" + str(event, "medication") + ", dispense event " +
               str(event, "event") + ") to " + who + " on the dispenser";
        path = api == "jft" ? "/v1/MedicationDispense" : "/epj/r4/" + orgnr + "/bundle";
    } else if (t.action == "report-supervision") {
        what =
            "Carry out a digital supervision visit for " + who + " and let the product report it";
        path = "/epj/r4/" + orgnr + "/bundle";
    } else if (t.action == "report-measurements") {
        std::string kinds;
        if (event.HasMember("measurements") && event["measurements"].IsArray())
            for (const auto& m : event["measurements"].GetArray())
                kinds += (kinds.empty() ? "" : ", ") + str(m, "kind");
        what =
            "Take the measurements (" + kinds + ") for " + who + " and let the product send them";
        path = "/pmd";
    } else if (t.action == "report-dho-note") {
        what = "Write the follow-up note " + quoted(str(event, "text")) + " for " + who +
               " and send it";
        path = "/v1/Bundle";
    } else if (t.action == "search-patient") {
        what = "Look up " + who + " in the product";
        path = "/epj/r4/" + orgnr + "/patient/_search";
    } else if (t.action == "report-dialog-note") {
        const auto& to = obj(event, "receiver");
        what = "Send the dialogue note " + quoted(str(event, "text")) + " about " + who + " to " +
               str(to, "name") + " (HER-id " + str(to, "her_id") + ")";
        path = "/kith/messages";
    } else {
        what = "Carry out the instruction '" + t.action + "'";
    }
    t.task = what + ", then press Enter. Every detail is in " + instruction_path + ".";
    t.waiting_for = "POST " + t.endpoint + path +
                    (t.token_url.empty() ? "" : " (with a token from " + t.token_url + ")");
    return t;
}

OperatorOutcome operator_run(const OperatorPrompt& prompt, const OperatorTask& task) {
    OperatorOutcome o;
    const auto t0 = std::chrono::steady_clock::now();
    bool confirmed = false;
    if (!prompt) {
        o.error = "no operator to ask (operator mode needs vft run at a terminal)";
    } else {
        try {
            confirmed = prompt(task);
        } catch (const std::exception& e) {  // a user's prompt must not end the run
            o.error = std::string("the operator prompt failed: ") + e.what();
        } catch (...) {
            o.error = "the operator prompt failed";
        }
    }
    o.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    o.confirmed = confirmed;
    if (confirmed)
        o.text = "the operator confirmed after " + std::to_string(o.elapsed_ms / 1000) + " s";
    else if (o.error.empty())
        o.error =
            "the operator did not confirm within " + std::to_string(task.timeout.count()) + " s";
    return o;
}

}  // namespace vft::conformance::detail
