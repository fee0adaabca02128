// SIPCore — the SIP message (RFC 3261 §7, §20, §25) and nothing that touches a socket or a clock.
//
// What it owns: URIs (sip, sips, tel), name-addr/addr-spec, headers with their order and raw text,
// requests and responses, the parser for datagrams and the framer for byte streams, the serializer,
// message builders (§8.1.1, §8.2.6, §9, §17.1.1.3) and digest authentication (RFC 7616/8760/2617).
// Everything here is a value type; errors are values that say what, where and which rule.
