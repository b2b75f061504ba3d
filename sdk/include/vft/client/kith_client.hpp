// vft::client::KithClient — KITH XML messaging over HTTP: POST a MsgHead document to
// {base}/kith/messages (Content-Type application/xml) and read the AppRec that comes back in
// the response (status 1 OK, 2 Avvist, 3 OK with errors, kodeverk 8258). A resend carries the
// same MsgId, so the receiver answers it with the first AppRec.
//
// Thread-safety: every member may be called from any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vft/client/api.hpp"
#include "vft/client/auth.hpp"
#include "vft/core/result.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"

namespace vft::client {

struct KithClientOptions {
    ApiOptions api;                   // base_url is the root above /kith/messages
    std::vector<std::string> scopes;  // for Auth bearer/dpop; none by default
};

class KithClient {
  public:
    // Errors: VFT-BUILD-0704 (base_url), those of HttpClient::create.
    [[nodiscard]] static Result<KithClient> create(KithClientOptions options, Auth auth);

    // Sends a MsgHead document; the value is the AppRec. Errors: a non-2xx answer as a typed
    // error; the AppRec reader's VFT-XML-0501/0505/0506 when the answer is not an AppRec.
    [[nodiscard]] Result<Reply<kith::AppRec>> send(std::string_view msghead_xml) const;
    // Builds the dialog message (kith::build_dialog_message) and sends it.
    [[nodiscard]] Result<Reply<kith::AppRec>> send(const kith::DialogMessage& message) const;

    struct State;

  private:
    explicit KithClient(std::shared_ptr<const State> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const State> impl_;
};

}  // namespace vft::client
