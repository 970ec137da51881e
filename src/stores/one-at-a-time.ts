/**
 * A task whose calls, while one run is under way, join that run instead of starting another. The
 * stores' sweeps run on a timer (tollgate serve's, the bench's) that fires whether or not the last
 * sweep ended; on a busy machine sweeps piled up, each repeating the others' work.
 */
export function oneAtATime<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= run().finally(() => (running = undefined)));
}
