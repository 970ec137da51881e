import { storeContract } from '../../src/testing/index.js';
import { createMemoryStore } from '../../src/stores/memory.js';

storeContract('memory store', () => createMemoryStore());
