# Doxygen's input filter for c-abi.md (FILTER_PATTERNS in Doxyfile.in). The
# HTML reference holds the C ABI alone: a link to another page of docs/, or
# to a heading of this page by its GitHub anchor, becomes its plain text.
s/\[([^]]*)\]\(([^):]*\.md|#[^)]*)(#[^)]*)?\)/\1/g
