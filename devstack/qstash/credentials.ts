/** QStash's published local-development user (PROTOCOLS.md §2.6), hard-coded in the SDK too. */
export const devCredentials = {
  token: 'eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=',
  currentSigningKey: 'sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r',
  nextSigningKey: 'sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs',
} as const;

/** The port `npx @upstash/qstash-cli dev` and the SDK's dev mode use. */
export const devPort = 8080;
