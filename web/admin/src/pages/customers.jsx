// Placeholder: this module's pages are being written.
import { Page } from '../lib/ui.jsx';

function Todo({ params }) {
  return <Page title="customers"><p>{JSON.stringify(params)}</p></Page>;
}

export const routes = [
  { path: '/b/:brand/customers', page: Todo },
  { path: '/b/:brand/customers/:phone', page: Todo },
  { path: '/b/:brand/inbox', page: Todo },
  { path: '/b/:brand/privacy', page: Todo, write: true },
];
