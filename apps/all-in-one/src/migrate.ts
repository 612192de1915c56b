import { runMigrationsMain } from '@expensio/common';
import { allServices } from './services.js';

// `npm run migrate -- up | down [n] | status` for every service's schema.
runMigrationsMain(allServices);
