// GET /events: the live alert stream for DSLs (server-sent events). The server keeps the
// connection and writes one frame per alert published on the AlertHub.
#include "console/pages/pages.h"

namespace vigil::collector::console {

void add_event_routes(Router& router) {
  router.add({http::verb::get, "/events", kContentRoles, false, [](RequestContext&) {
                Reply reply;
                reply.response.result(http::status::ok);
                reply.response.set(http::field::content_type, "text/event-stream");
                reply.event_stream = true;
                return reply;
              }});
}

}  // namespace vigil::collector::console
