// Customers and conversations: the customer list with the stores' live conversations, a
// customer's page (record, conversation, operator actions), the handoff inbox and LGPD
// requests. The pages live in ./customers/.
import './customers.css';
import { CustomerPage } from './customers/customer.jsx';
import { InboxPage } from './customers/inbox.jsx';
import { CustomersPage } from './customers/list.jsx';
import { PrivacyPage } from './customers/privacy.jsx';

export const routes = [
  { path: '/b/:brand/customers', page: CustomersPage },
  { path: '/b/:brand/customers/:phone', page: CustomerPage },
  { path: '/b/:brand/inbox', page: InboxPage },
  { path: '/b/:brand/privacy', page: PrivacyPage, write: true },
];
