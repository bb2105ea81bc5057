// SPDX-License-Identifier: Apache-2.0
// What staff script rather than click: the admin subcommands, and the demo
// data of --demo. Each is a sequence of engine commands run as the system
// (or as a named staff member, for what the workflow gives to a role), on
// the same database a running host serves: SQLite lets both write.
#ifndef FUMA_HOST_ADMIN_HPP
#define FUMA_HOST_ADMIN_HPP

#include <optional>
#include <string>
#include <string_view>

namespace fuma {
class Engine;
}

namespace fuma::host {

// Whether argv[1] names an admin subcommand.
bool is_admin_command(std::string_view name);

// Runs `fuma-host COMMAND ...` (argv[0] is COMMAND). Returns the exit code:
// 0 done, 1 the engine or the file system refused (a line on stderr with the
// Chinese message and the English detail), 2 a usage error.
int run_admin(int argc, const char* const* argv);

// One line on stderr for each login picture issue-credential issued, or was
// issuing, and never wrote (DATA/undelivered/): every start says so, until
// `fuma-host deliver-credentials` writes them.
void report_undelivered(const std::string& data);

// The demo's fixed captcha answer.
constexpr std::string_view kDemoCaptcha = "FUMA7";

// On the first start with --demo: one authority, an acceptor, a reviewer and
// an admin with known passwords, two units (one 长期有效, one with an expiry
// date) and their login pictures in DATA/demo/, and a few items in the
// content folder's columns. Later starts find DATA/demo/README.txt and
// create nothing. Returns that file's text, the guide to the demo, with
// "{url}" where the address goes (demo_guide fills it in). Throws
// fuma::Error or std::runtime_error.
std::string ensure_demo(Engine& engine, const std::string& data_dir);
std::string demo_guide(const std::string& text, const std::string& url);

// The demo's 联系电话及其他: DATA/demo/locality.json, written on the first
// start with --demo (every value marked （演示数据）) and kept after; returns
// its path, for the engine option locality_path.
std::string demo_locality(const std::string& data_dir);

}  // namespace fuma::host

#endif  // FUMA_HOST_ADMIN_HPP
