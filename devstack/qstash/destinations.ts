import { badInput } from './input-error.ts';
import type { QstashStore } from './store/store.ts';

/** One URL a publish delivers to, and the URL group it came through. */
export interface Target {
  url: string;
  topicName?: string;
  endpointName?: string;
}

/** URL group names: letters, digits, `-`, `_` and `.`. */
export const topicNamePattern = /^[\w.-]{1,256}$/;

/**
 * An http(s) URL is delivered to as written; anything else must name a URL group that has
 * endpoints. Other schemes, unknown groups and empty groups are 400s.
 */
export async function resolveDestination(
  store: Pick<QstashStore, 'getTopic'>,
  destination: string,
): Promise<Target[]> {
  if (!destination)
    throw badInput('missing destination: publish to an http(s) URL or a URL group name');
  if (/^https?:\/\//i.test(destination)) {
    try {
      new URL(destination);
    } catch {
      throw badInput(`invalid destination "${destination}": not a valid URL`);
    }
    return [{ url: destination }];
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(destination) || !topicNamePattern.test(destination)) {
    throw badInput(
      `invalid destination "${destination}": expected an http(s) URL or a URL group name`,
    );
  }
  const topic = await store.getTopic(destination);
  if (!topic) {
    throw badInput(
      `invalid destination "${destination}": no URL group with that name (destinations are http(s) URLs or URL group names)`,
    );
  }
  if (topic.endpoints.length === 0) throw badInput(`URL group "${destination}" has no endpoints`);
  return topic.endpoints.map((endpoint) => ({
    url: endpoint.url,
    topicName: topic.name,
    ...(endpoint.name ? { endpointName: endpoint.name } : {}),
  }));
}
