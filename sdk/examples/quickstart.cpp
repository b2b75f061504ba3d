// file: sdk/examples/quickstart.cpp
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vft/client/pipeline.hpp>
#include <vft/core/uuid.hpp>
#include <vft/messages/alarm.hpp>
#include <vft/messages/medication.hpp>
#include <vft/validate/validator.hpp>

// quickstart TOKEN_URL API_URL CLIENT_KEY.pem OUTBOX.db [MESSAGE.json]
int main(int argc, char** argv) {
    using namespace vft;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // line by line: a kill -9 loses no line
    auto key = argc >= 5 ? auth::Key::load_file(argv[3]) : Result<auth::Key>(Error{});
    if (!key) return std::fprintf(stderr, "usage: quickstart TOKEN API KEY OUTBOX [MSG]\n"), 2;
    client::PipelineOptions o;  // one HelseID client, the endpoints, the outbox file
    o.helseid = {argv[1], "dispenser-platform", *key, "", {}};
    o.endpoints.vkp_base_url = o.endpoints.jft_base_url = argv[2];
    o.endpoints.vkp_orgnr = "312229544";
    o.outbox_path = argv[4];
    o.observer = [](const client::MessageFate& f) {  // called for every message's fate
        if (f.fate == client::Fate::delivered) std::printf("delivered %s\n", f.endpoint.c_str());
        if (f.jft_status) std::printf("jft registered %s\n", f.jft_status->registered.c_str());
        for (const auto& i : f.issues.issues)  // a rejection: every issue, rule ID and path
            std::printf("rejected %s %s: %s\n", i.rule.c_str(), i.path.c_str(), i.message.c_str());
    };
    auto pipeline = client::Pipeline::create(o);
    if (!pipeline) return std::fprintf(stderr, "%s\n", pipeline.error().to_string().c_str()), 1;

    MedicationDispensed dose;  // the event; derive its identifier from your own event id
    dose.identifier = name_uuid_urn("my-dispenser-event-4711");
    dose.patient = {"12854812341", "Kåre Nordmann Testesen"};
    dose.handed_over = Time{std::chrono::seconds{1773296100}};
    dose.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456", ""};
    auto vkp = build_medication_dispense(dose);         // to VKP, with a Bearer token
    auto jft = build_medication_jft_transaction(dose);  // to JFT, with a DPoP token
    auto validator = Validator::create();
    if (!vkp || !jft || !validator) return 1;
    for (const Message* m : {&*vkp, &*jft})
        if (!validator->validate(m->body, {Level::strict, ""}).valid()) return 1;
    if (!pipeline->enqueue(client::Api::vkp, *vkp, dose.patient.id) ||
        !pipeline->enqueue(client::Api::jft, *jft, dose.patient.id))
        return 1;
    if (argc > 5) {  // an alarm from your existing system, sent as it is
        std::ifstream in(argv[5], std::ios::binary);
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        if (auto alarm = read_alarm(text))
            (void)pipeline->enqueue(client::Api::vkp, {alarm->identifier, "Bundle", text}, "");
    }
    std::printf("enqueued\n");  // on disk now: after a kill -9, run again and nothing is lost
    auto idle =
        pipeline->run_until_idle(std::chrono::steady_clock::now() + std::chrono::seconds(30));
    return idle && idle->delivery.pending == 0 ? 0 : 1;
}
