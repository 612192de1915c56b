import { runService } from '@expensio/common';
import { realtimeService } from './service.js';

// Realtime alone, as it runs in Kubernetes: tokens checked against identity's JWKS and the shared
// Redis denylist, events from RabbitMQ; `migrate up | down [n] | status` migrates its schema.
runService(realtimeService);
