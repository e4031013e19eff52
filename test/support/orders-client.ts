/** A tiny HTTP helper for e2e tests of the orders function. */
export function ordersClient(baseUrl: string) {
  return {
    place(body: unknown, headers: Record<string, string> = {}) {
      return fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    get(orderId: string) {
      return fetch(`${baseUrl}/orders/${orderId}`);
    },
    health() {
      return fetch(`${baseUrl}/health`);
    },
  };
}
