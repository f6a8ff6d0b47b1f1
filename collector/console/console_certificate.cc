#include "console/console_certificate.h"

#include <boost/asio/ip/address.hpp>
#include <unistd.h>

#include <vector>

#include "vigil/files.h"

namespace vigil::collector::console {

Result<TlsIdentity> load_or_issue_console_certificate(const std::filesystem::path& data_dir, const CollectorPki& pki, const std::string& host) {
  const auto dir = data_dir / "pki";
  auto chain = read_file(dir / "console.crt");
  auto key = read_file(dir / "console.key");
  if (chain && key) return TlsIdentity{*chain, *key};
  std::vector<std::string> names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  const auto add_name = [&](std::string name) {
    if (name.empty() || name == "0.0.0.0" || name == "::" || name == "localhost") return;
    boost::system::error_code ec;
    (void)boost::asio::ip::make_address(name, ec);
    const std::string entry = (ec ? "DNS:" : "IP:") + name;
    for (const auto& n : names) {
      if (n == entry) return;
    }
    names.push_back(entry);
  };
  add_name(host);
  char hostname[256] = {};
  if (gethostname(hostname, sizeof hostname - 1) == 0) add_name(hostname);
  auto issued = issue_server_certificate(pki, "Vigil console", names);
  if (!issued) return issued.error();
  if (auto r = write_file(dir / "console.key", issued->key_pem, FileAccess::kOwnerOnly); !r) return r.error();
  if (auto r = write_file(dir / "console.crt", issued->chain_pem, FileAccess::kWorldReadable); !r) return r.error();
  return TlsIdentity{issued->chain_pem, issued->key_pem};
}

}  // namespace vigil::collector::console
