import { runService } from '@expensio/common';
import { financeService } from './service.js';

// Finance alone, as it runs in Kubernetes: tokens checked against identity's JWKS and the shared
// Redis denylist; `migrate up | down [n] | status` migrates its schema.
runService(financeService);
