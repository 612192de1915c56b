import { runServices } from '@expensio/common';
import { ALL_IN_ONE, allServices } from './services.js';

// The embedded default: every service in one process, on one port, over one database, with one
// transport (in-process by default, RabbitMQ with AMQP_URL).
runServices(allServices, ALL_IN_ONE);
