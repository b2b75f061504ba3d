#include "vft/messages/dho_note.hpp"

#include "messages/note.hpp"

namespace vft {

using namespace detail;

namespace {
Result<JournalNote> checked(const DhoNote& n) {
    if (auto c = check_patient(n.patient); !c) return c.error();
    JournalNote note = n.note;
    note.category = "2";  // Digital hjemmeoppfølging
    if (auto c = check_note(note); !c) return c.error();
    if (note.sections.empty())
        return build_error(errc::build_missing_field, "a DHO note needs at least one section");
    return note;
}
}  // namespace

Result<Message> build_dho_note(const DhoNote& n) {
    auto note = checked(n);
    if (!note) return note.error();
    auto id = identifier_or_new(n.identifier, "identifier");
    if (!id) return id.error();
    Json j;
    JValue c = composition(j, *note, n.patient, {});
    // A single resource carries its idempotency key itself (DESIGN.md, duplicates).
    j.set(c, "identifier", j.identifier("urn:ietf:rfc:3986", *id));
    write_extensions(j, c, n.extensions);
    j.set_root(c);
    return Message{*id, "Composition", j.str()};
}

Result<Message> build_jft_document(const DhoNote& n) {
    auto note = checked(n);
    if (!note) return note.error();
    auto id = identifier_or_new(n.identifier, "identifier");
    if (!id) return id.error();
    Json j;
    JValue b = bundle(j, *id, "document", note->date);
    JValue c = composition(j, *note, n.patient, {});
    write_extensions(j, c, n.extensions);
    add_entry(j, b, entry_url(*id, 0), std::move(c));
    j.set_root(b);
    return Message{*id, "Bundle", j.str()};
}

Result<DhoNote> read_dho_note(std::string_view json) {
    auto d = parse_json(json);
    if (!d) return d.error();
    const BundleView v = view(*d);
    const JValue* c = v.first("Composition");
    if (!c) return read_error(errc::read_wrong_message, "no Composition in the message");
    DhoNote n;
    if (const JValue* id =
            member(str_member(*d, "resourceType") == "Bundle" ? *d : *c, "identifier"))
        n.identifier = std::string(str_member(*id, "value"));
    n.patient = patient_of(member(*c, "subject"));
    n.note = read_note(*c);
    n.extensions = kept_extensions(*c, {});
    if (n.note.category != "2")
        return read_error(errc::read_wrong_message,
                          "the Composition is not a DHO note (category 2)");
    return n;
}

}  // namespace vft
