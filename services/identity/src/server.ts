import { runService } from '@expensio/common';
import { identityService } from './service.js';

// Identity alone, as it runs in Kubernetes; `migrate up | down [n] | status` migrates its schema.
runService(identityService);
