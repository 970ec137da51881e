/** Test kits for code built on tollgate: the store contract, to run against a store of your own. */
export { storeContract } from './store-contract.js';
export type { StoreContractOptions } from './store-contract.js';
export type { Store } from '../stores/store.js';
