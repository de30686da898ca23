// One definition of the id forms for every domain (convert needs them too).
export { isUrlSafeId, toUrlSafeId } from '../model/symphony-id';

/** Host name of a URL (the pod name used in Message-IDs); the input when it is not a URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
