// vft keys generate --out PREFIX — a fresh Ed25519 key pair for signing reports and
// certification records: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SubjectPublicKeyInfo
// PEM). Exit 0 written · 2 could not run (files exist, folder not writable). The private key is
// never printed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vft/auth/key.hpp"

namespace vft::cli {
namespace {

struct KeysArgs {
    std::string out;
    bool force = false;
    std::string key;
};

// Creates `path` with `mode` from the start (never a moment world-readable) and writes `text`.
bool write_new(const std::string& path, const std::string& text, mode_t mode, bool force,
               std::string& why) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) {
        why = errno == EEXIST ? "exists (use --force to replace it)" : std::strerror(errno);
        return false;
    }
    bool ok = ::fchmod(fd, mode) == 0;  // an existing file (--force) gets the mode too
    size_t done = 0;
    while (ok && done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0)
            ok = false;
        else
            done += static_cast<size_t>(n);
    }
    ok = ::fsync(fd) == 0 && ok;
    ok = ::close(fd) == 0 && ok;
    if (!ok) why = std::strerror(errno);
    return ok;
}

int generate(const KeysArgs& a) {
    auto key = auth::Key::generate(auth::Algorithm::eddsa);
    if (!key) {
        std::cerr << "vft keys generate: " << key.error().to_string() << "\n";
        return kExitCannotRun;
    }
    const std::string priv = a.out + ".key", pub = a.out + ".pub";
    std::string why;
    if (!a.force && std::filesystem::exists(pub)) {
        std::cerr << "vft keys generate: " << pub << " exists (use --force to replace it)\n";
        return kExitCannotRun;
    }
    if (!write_new(priv, key->private_pem(), 0600, a.force, why)) {
        std::cerr << "vft keys generate: cannot write " << priv << ": " << why << "\n";
        return kExitCannotRun;
    }
    if (!write_new(pub, key->public_pem(), 0644, a.force, why)) {
        std::cerr << "vft keys generate: cannot write " << pub << ": " << why << "\n";
        return kExitCannotRun;
    }
    std::cout << "wrote " << priv << " (Ed25519 private key, mode 0600: keep it secret) and " << pub
              << " (public: give it to whoever verifies)\nkey id " << key->thumbprint() << "\n";
    return kExitOk;
}

// The key id vft prints everywhere (keys generate, report verify, registry list, the site): the
// RFC 7638 JWK thumbprint, base64url(SHA-256('{"crv":"Ed25519","kty":"OKP","x":"…"}')).
int fingerprint(const KeysArgs& a) {
    auto key = auth::Key::load_file(a.key);
    if (!key) {
        std::cerr << "vft keys fingerprint: " << key.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::cout << key->thumbprint() << "\n";
    return kExitOk;
}

}  // namespace

void add_keys(CLI::App& app, int& exit_code) {
    CLI::App* keys = app.add_subcommand("keys", "Signing keys for reports (Ed25519)");
    keys->require_subcommand(1);
    auto args = std::make_shared<KeysArgs>();
    CLI::App* gen = keys->add_subcommand(
        "generate", "Write PREFIX.key (private, mode 0600) and PREFIX.pub (public), Ed25519");
    gen->add_option("--out", args->out, "Path prefix of the two files")->required();
    gen->add_flag("--force", args->force, "Replace existing files");
    gen->callback([args, &exit_code] { exit_code = generate(*args); });
    CLI::App* fp = keys->add_subcommand(
        "fingerprint",
        "Print a key's fingerprint (RFC 7638 thumbprint, the key id shown by `vft report verify` "
        "and the registry site)");
    fp->add_option("key", args->key, "A public or private key (PEM)")->required();
    fp->callback([args, &exit_code] { exit_code = fingerprint(*args); });
}

}  // namespace vft::cli
