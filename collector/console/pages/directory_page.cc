// The pupil directory upload: GET /directory/import shows the form, POST /directory/import takes
// the MIS export as the request body (text/csv, sent by assets/directory_import.js with the CSRF
// header) and answers with the counts and each rejected row. DSL roles only: names are personal
// data, and network managers never see who is who. Audited (file name and counts, no names).
#include <cctype>

#include "console/html.h"
#include "console/page.h"
#include "console/pages/feature_routes.h"

namespace vigil::collector::console {
namespace {

Reply form(ConsoleDeps& deps, RequestContext& ctx) {
  (void)deps;
  std::string body =
      "<p>Upload the pupil list exported from the MIS (SIMS, Arbor, Bromcom) as CSV. Logins must match how pupils sign in to the PCs. "
      "Pupils already in the directory are updated; pupils missing from the file are kept.</p>"
      "<form id=\"directory-import\" data-target=\"/directory/import\">" + csrf_field(ctx) +
      "<label for=\"directory-file\">CSV file</label><input type=\"file\" id=\"directory-file\" name=\"file\" accept=\".csv,text/csv\" required>"
      "<button type=\"submit\">Import</button></form>"
      "<div id=\"directory-result\" role=\"status\" aria-live=\"polite\"></div>"
      "<script src=\"/assets/directory_import.js\" defer></script>";
  return html_reply(layout(ctx, "Pupil directory", body));
}

Reply import(ConsoleDeps& deps, RequestContext& ctx) {
  // The browser's file name, only for messages and the audit log: kept to plain characters.
  std::string name = ctx.query["name"].substr(0, 100);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' && c != ' ') c = '_';
  }
  if (name.empty()) name = "upload.csv";
  const std::string& text = ctx.request.body();
  auto parsed = parse_mis_csv(text, name);
  if (!parsed) {
    if (auto r = audit(deps, ctx, "import_pupils_refused", "file:" + name); !r) return store_failure(ctx, r.error());
    return json_reply({{"error", parsed.error().message}}, http::status::bad_request);
  }
  auto counts = deps.features->pupils.import(*parsed);
  if (!counts) return store_failure(ctx, counts.error());
  if (auto r = audit(deps, ctx, "import_pupils",
                     "file:" + name + " added:" + std::to_string(counts->added) + " updated:" + std::to_string(counts->updated) +
                         " rejected:" + std::to_string(counts->rejected));
      !r) {
    return store_failure(ctx, r.error());
  }
  return json_reply({{"added", counts->added},
                     {"updated", counts->updated},
                     {"unchanged", counts->unchanged},
                     {"rejected", counts->rejected},
                     {"errors", parsed->rejected}});
}

}  // namespace

void add_directory_routes(Router& router, ConsoleDeps& deps) {
  router.add({http::verb::get, "/directory/import", kContentRoles, false, [&deps](RequestContext& ctx) { return form(deps, ctx); }});
  router.add({http::verb::post, "/directory/import", kContentRoles, false, [&deps](RequestContext& ctx) { return import(deps, ctx); }});
}

}  // namespace vigil::collector::console
