// Placeholder: this module's pages are being written.
import { Page } from '../lib/ui.jsx';

function Todo({ params }) {
  return <Page title="orders"><p>{JSON.stringify(params)}</p></Page>;
}

export const routes = [
  { path: '/b/:brand/orders', page: Todo },
  { path: '/b/:brand/orders/:order', page: Todo },
  { path: '/platform', page: Todo, platform: true },
];
