/**
 * Optional peer dependencies (package.json "peerDependenciesMeta": pg, ioredis) load only when the
 * feature that needs them is used. A missing one would otherwise fail with Node's bare
 * "Cannot find package 'pg'", which names neither the feature nor the fix.
 */

/** A missing optional peer: names the package, what needs it and the command that installs it. */
export class MissingPeerError extends Error {
  readonly package: string;

  constructor(pkg: string, neededFor: string, options?: { cause?: unknown }) {
    super(`${neededFor} needs the optional package "${pkg}", which is not installed: run \`npm install ${pkg}\``, options);
    this.name = 'MissingPeerError';
    this.package = pkg;
  }
}

/**
 * True when `err` is Node's answer to importing `pkg` itself when it is not installed (not a module
 * that `pkg` imports, nor an error thrown while `pkg` loads: those keep their own message).
 */
export function isMissingPackage(err: unknown, pkg: string): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return err.message.includes(`'${pkg}'`) || err.message.includes(`"${pkg}"`);
}

/** Runs `load` (a dynamic import of `pkg`) and turns "not installed" into a MissingPeerError. */
export async function importPeer<T>(pkg: string, neededFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissingPackage(err, pkg)) throw new MissingPeerError(pkg, neededFor, { cause: err });
    throw err;
  }
}
