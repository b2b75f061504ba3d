// KithClient: MsgHead in, AppRec out.
#include "vft/client/kith_client.hpp"

#include "client/caller.hpp"
#include "client/client_util.hpp"

namespace vft::client {

struct KithClient::State {
    KithClientOptions options;
    detail::Caller caller;
};

Result<KithClient> KithClient::create(KithClientOptions options, Auth auth) {
    auto caller = detail::Caller::create(options.api, std::move(auth));
    if (!caller) return caller.error();
    return KithClient(
        std::make_shared<const State>(State{std::move(options), std::move(caller).value()}));
}

Result<Reply<kith::AppRec>> KithClient::send(std::string_view xml) const {
    transport::HttpRequest r{
        "POST",
        impl_->caller.base() + "/kith/messages",
        {{"Content-Type", "application/xml; charset=utf-8"}, {"Accept", "application/xml"}},
        std::string(xml)};
    auto called = impl_->caller.send(r, impl_->options.scopes, true);
    if (!called) return called.error();
    auto ok = detail::Caller::expect(*called, {200, 201, 202});
    if (!ok) return ok.error();
    auto apprec = kith::read_apprec(called->response.body);
    if (!apprec) return apprec.error();
    return Reply<kith::AppRec>{std::move(apprec).value(), called->response.status,
                               called->attempts};
}

Result<Reply<kith::AppRec>> KithClient::send(const kith::DialogMessage& message) const {
    auto built = kith::build_dialog_message(message);
    if (!built) return built.error();
    return send(built->body);
}

}  // namespace vft::client
