// SPDX-License-Identifier: Apache-2.0
// The USCC data tables: GB 32100 authorities and categories, GB/T 2260
// divisions. Parsed and validated from the TSV files in data/ (embedded in the
// library at build time) the first time they are needed.
#ifndef FUMA_SRC_USCC_TABLES_HPP
#define FUMA_SRC_USCC_TABLES_HPP

#include <string_view>
#include <vector>

#include "fuma/uscc.hpp"

namespace fuma::uscc::tables {

// Parse a divisions TSV (columns code, province, name, names, from_year,
// to_year; '#' comment lines; one header line). Throws fuma::Error
// (invalid_argument) naming the line and column of the first defect:
// wrong column count, a code that is not 6 digits, a duplicate code, a bad
// year. The result is sorted by code.
std::vector<Division> parse_divisions(std::string_view tsv, std::string_view source);

// Parse an authorities TSV (authority, authority_name, category,
// category_name). Same error rules: codes are one character of the USCC
// alphabet, no duplicates, names non-empty.
std::vector<Authority> parse_authorities(std::string_view tsv, std::string_view source);

// The shipped tables, loaded once, thread-safe.
const std::vector<Division>& divisions();
const Division* lookup_division(std::string_view code6);
const Authority* lookup_authority(char code);
const Category* lookup_category(const Authority& authority, char code);

}  // namespace fuma::uscc::tables

#endif  // FUMA_SRC_USCC_TABLES_HPP
