//! RFC 7591 and RFC 7592 (filled in below).
