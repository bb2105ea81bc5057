// SPDX-License-Identifier: Apache-2.0
// GET /api/openapi.json: this API as an OpenAPI 3.1 document, made once at
// start from the routes (commands.hpp), so it cannot disagree with them.
//
// 3.1 rather than 3.0: 3.1's Schema Object is JSON Schema 2020-12, the
// dialect every command's args and result are declared in, so they go in
// as the engine declares them. 3.0's is a subset of draft 4 with its own
// rules (no type lists, no const, nullable instead of null): translating
// would change what the schemas say.
//
// Each schema's shared definitions ($defs) become components/schemas, so a
// generated client gets one named type for a case, a unit, a credential.
// Each operation carries its args (request body, or the query's args),
// result (200), returned bytes (their media types and Content-Disposition),
// security (the side's session cookie) and errors (by HTTP status, each
// with the codes it may carry).
#ifndef FUMA_HOST_OPENAPI_HPP
#define FUMA_HOST_OPENAPI_HPP

#include <string>

namespace fuma::host {

class Commands;

std::string openapi_document(const Commands& commands);

}  // namespace fuma::host

#endif  // FUMA_HOST_OPENAPI_HPP
