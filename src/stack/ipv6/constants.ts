/** IANA "Assigned Internet Protocol Numbers" used on the mesh (RFC 8200 §4 for the extension headers). */
export const IP_PROTOCOL = {
  HOPOPT: 0,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  IPV6_ICMP: 58,
  IPV6_NONXT: 59,
  IPV6_OPTS: 60,
} as const;

/** IANA "Routing Types": RPL Source Route Header (RFC 6554 §3). */
export const ROUTING_TYPE_RPL_SOURCE_ROUTE = 3;

/** ICMPv6 "type" numbers (RFC 4443 §2.1, RFC 6550 §6 for RPL). */
export const ICMPV6_TYPE = {
  DESTINATION_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  RPL_CONTROL: 155,
} as const;

/** Destination Unreachable codes (RFC 4443 §3.1; code 7 RFC 6550/RFC 6554; code 8 RFC 8883). */
export const ICMPV6_DEST_UNREACH_CODE = {
  NO_ROUTE: 0,
  ADMINISTRATIVELY_PROHIBITED: 1,
  BEYOND_SCOPE_OF_SOURCE: 2,
  ADDRESS_UNREACHABLE: 3,
  PORT_UNREACHABLE: 4,
  SOURCE_POLICY_FAILED: 5,
  REJECT_ROUTE: 6,
  ERROR_IN_SOURCE_ROUTING_HEADER: 7,
  HEADERS_TOO_LONG: 8,
} as const;

/** Time Exceeded codes (RFC 4443 §3.3). */
export const ICMPV6_TIME_EXCEEDED_CODE = { HOP_LIMIT: 0, FRAGMENT_REASSEMBLY: 1 } as const;

/** Parameter Problem codes (RFC 4443 §3.4). */
export const ICMPV6_PARAM_PROBLEM_CODE = {
  ERRONEOUS_HEADER_FIELD: 0,
  UNRECOGNIZED_NEXT_HEADER: 1,
  UNRECOGNIZED_IPV6_OPTION: 2,
} as const;

/** IPv6 minimum link MTU (RFC 8200 §5); ICMPv6 errors never exceed it (RFC 4443 §2.4 (c)). */
export const IPV6_MIN_MTU = 1280;
export const IPV6_HEADER_LENGTH = 40;
