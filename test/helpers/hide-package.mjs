// Loaded with `node --import`: makes the packages named in TOLLGATE_HIDE_PACKAGES (comma-separated)
// unresolvable, as if they were not installed, through Node's module customization hooks.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
const hidden = new Set((process.env.TOLLGATE_HIDE_PACKAGES ?? '').split(','));
export async function resolve(specifier, context, next) {
  if (hidden.has(specifier)) {
    const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
`)}`,
);
