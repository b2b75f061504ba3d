// Identifier rules of domain §5, each with known valid and invalid numbers.
#include <catch2/catch.hpp>

#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

using namespace vft;

TEST_CASE("fødselsnummer: synthetic Tenor (+80) and NHN (+65) persons are valid", "[identifiers]") {
    // Examples quoted in domain §5 and the fixture persons.
    for (const char* n : {"02850097219", "11845599620", "13717404089", "02686525891", "12854812341",
                          "24675198744"}) {
        INFO(n);
        auto id = parse_person_id(n);
        REQUIRE(id.ok());
        CHECK(id->synthetic());
    }
    auto tenor = parse_person_id("12854812341");
    CHECK(tenor->test_offset == TestOffset::tenor_plus80);
    CHECK(tenor->birth_year == 1948);
    CHECK(tenor->birth_month == 5);
    CHECK(tenor->birth_day == 12);
    CHECK(parse_person_id("24675198744")->test_offset == TestOffset::nhn_plus65);
    CHECK(parse_person_id("07890255587")->birth_year == 2002);
}

TEST_CASE("fødselsnummer: wrong check digits, length, letters and dates are rejected",
          "[identifiers]") {
    CHECK_FALSE(parse_person_id("12854812384").ok());   // K1 fails even under the 2032 rule
    CHECK_FALSE(parse_person_id("12854812342").ok());   // K2 changed
    CHECK_FALSE(parse_person_id("1285481234").ok());    // 10 digits
    CHECK_FALSE(parse_person_id("128548123411").ok());  // 12 digits
    CHECK_FALSE(parse_person_id("12854812a41").ok());
    CHECK_FALSE(parse_person_id("").ok());
    // 31 February (synthetic +80) never exists, whatever the check digits say.
    CHECK_FALSE(parse_person_id("31824812300").ok());
    const auto e = parse_person_id("12854812342");
    CHECK(e.error().code == errc::id_fnr_invalid);
    CHECK(e.error().message.find("12854812342") == std::string::npos);  // never echo the number
}

TEST_CASE("fødselsnummer: every single-digit typo is caught", "[identifiers]") {
    const std::string good = "03913945688";
    REQUIRE(parse_person_id(good).ok());
    int accepted = 0;
    for (size_t i = 0; i < good.size(); ++i)
        for (char d = '0'; d <= '9'; ++d) {
            if (d == good[i]) continue;
            std::string typo = good;
            typo[i] = d;
            if (auto r = parse_person_id(typo); r.ok() && !r->relaxed_k1) ++accepted;
        }
    CHECK(accepted == 0);
}

TEST_CASE("fødselsnummer: the 2032 rule accepts K1 remainders 1-3, K2 stays strict",
          "[identifiers]") {
    // Build a number whose K1 remainder is 2: take a valid number and search K1 then fix K2.
    const std::string base = "128548123";
    const int w1[] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
    const int w2[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int found = 0;
    for (int k1 = 0; k1 <= 9; ++k1) {
        int s1 = k1;
        for (int i = 0; i < 9; ++i)
            s1 += (base[static_cast<size_t>(i)] - '0') * w1[i];
        if (s1 % 11 != 2) continue;
        std::string n = base + std::to_string(k1);
        int s2 = 0;
        for (int i = 0; i < 10; ++i)
            s2 += (n[static_cast<size_t>(i)] - '0') * w2[i];
        const int k2 = (11 - s2 % 11) % 11;
        if (k2 == 10) continue;
        n += std::to_string(k2);
        auto id = parse_person_id(n);
        REQUIRE(id.ok());
        CHECK(id->relaxed_k1);
        ++found;
    }
    CHECK(found == 1);
}

TEST_CASE("D-nummer, H-nummer and felles hjelpenummer", "[identifiers]") {
    auto d = parse_person_id("52854812335");
    REQUIRE(d.ok());
    CHECK(d->kind == PersonIdKind::dnr);
    CHECK(d->birth_day == 12);
    CHECK(parse_person_id("64675198738")->kind == PersonIdKind::dnr);
    CHECK_FALSE(parse_person_id("52854812336").ok());
    // FNR system with a D-nummer is an error that names the right system.
    auto wrong = check_identifier(oid::fnr, "52854812335");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().hint.find("4.1.4.2") != std::string::npos);
    CHECK(check_identifier(oid::dnr, "52854812335").ok());
    CHECK(check_identifier(oid::dnr, "12854812341").error().code == errc::id_dnr_invalid);
    // FHN: first digit 8 or 9 and both check digits (mod 11).
    CHECK(check_identifier(oid::fhn, "81234567802").ok());
    CHECK(parse_person_id("81234567802")->kind == PersonIdKind::fhn);
    CHECK(check_identifier(oid::fhn, "81234567803").error().code == errc::id_fhn_invalid);
    CHECK_FALSE(check_identifier(oid::fnr, "81234567802").ok());
}

TEST_CASE("organisasjonsnummer", "[identifiers]") {
    for (const char* n : {"312229544", "994598759", "889640782", "921000006"})
        CHECK(check_orgnr(n).ok());
    // Domain §5: the published VKP sample numbers fail mod 11.
    for (const char* n : {"314159265", "888134574", "12345678", "9945987590", "99459875X"}) {
        INFO(n);
        CHECK(check_orgnr(n).error().code == errc::id_orgnr_invalid);
    }
    CHECK(check_identifier(oid::orgnr, "312229544").ok());
    CHECK_FALSE(check_identifier(oid::orgnr_retired, "314159265").ok());
}

TEST_CASE("HPR-nummer format", "[identifiers]") {
    CHECK(check_hpr("9144900").ok());
    CHECK(check_hpr("123456789").ok());
    CHECK_FALSE(check_hpr("1234567890").ok());
    CHECK_FALSE(check_hpr("0123").ok());
    CHECK_FALSE(check_hpr("12a4").ok());
}

TEST_CASE("masking keeps only the check digits", "[identifiers][privacy]") {
    CHECK(mask_person_id("12854812341") == "*********41");
    CHECK(mask_person_ids("fnr=12854812341, orgnr=312229544, id 123456789012") ==
          "fnr=*********41, orgnr=312229544, id 123456789012");
}

// Issue 13 item 9: a fødselsnummer written with a space or a dot between birth date and
// personal number was printed in clear.
TEST_CASE("masking also finds 6+5 digits with one separator", "[identifiers][privacy]") {
    CHECK(mask_person_ids("pasient 128548 12341 ok") == "pasient ****** ***41 ok");
    CHECK(mask_person_ids("pasient 128548.12341.") == "pasient ******.***41.");
    CHECK(mask_person_ids("128548-12341") == "******-***41");
    CHECK(mask_person_ids("128548\xC2\xA0"
                          "12341") == "******\xC2\xA0***41");
    CHECK(mask_person_ids("D-nummer 528548 12335") == "D-nummer ****** ***35");
    // Not a person number (check digits wrong), part of a longer run, or another split: kept.
    CHECK(mask_person_ids("128548 12342") == "128548 12342");
    CHECK(mask_person_ids("1128548 12341") == "1128548 12341");
    CHECK(mask_person_ids("128548 123410") == "128548 123410");
    CHECK(mask_person_ids("128548  12341") == "128548  12341");
    CHECK(mask_person_ids("12854 812341") == "12854 812341");
}

// CI failed once on this: a GUID's last group held 11 digits in a row ("…-8b6c-c58056697813"), the
// STDOUT evidence masked them, and the kith suite judged a MsgId the product never sent.
TEST_CASE("masking leaves identifiers that only contain 11 digits alone",
          "[identifiers][privacy]") {
    const std::string guid = "b4087c36-3fe4-4941-8b6c-c58056697813";
    CHECK(mask_person_ids(guid) == guid);
    CHECK(mask_person_ids("{\"msg_id\":\"" + guid + "\"}") == "{\"msg_id\":\"" + guid + "\"}");
    // Even when the 11 digits are a valid fødselsnummer.
    const std::string valid = "b4087c36-3fe4-4941-8b6c-c12854812341";
    CHECK(mask_person_ids(valid) == valid);
    CHECK(mask_person_ids("B4087C36-3FE4-4941-8B6C-12854812341C") ==
          "B4087C36-3FE4-4941-8B6C-12854812341C");
    // A digest (32 or more hex digits).
    const std::string digest = "9f2c12854812341ab09d1e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
    CHECK(mask_person_ids("sha256 " + digest) == "sha256 " + digest);
    // Glued to letters: masked when it is a valid person number, kept otherwise.
    CHECK(mask_person_ids("fnr12854812341") == "fnr*********41");
    CHECK(mask_person_ids("12854812341x") == "*********41x");
    CHECK(mask_person_ids("id12345678901") == "id12345678901");
    // Standing alone, 11 digits are still masked whatever they are; a short hex run or a UUID-like
    // text that is not one does not protect them.
    CHECK(mask_person_ids("12345678901") == "*********01");
    CHECK(mask_person_ids("ab-12854812341") == "ab-*********41");
    CHECK(mask_person_ids("b4087c36-3fe4-4941-8b6c-12854812341") ==
          "b4087c36-3fe4-4941-8b6c-*********41");
    // A valid 6+5 number standing alone is still masked.
    CHECK(mask_person_ids("128548 12341") == "****** ***41");
}
