// Placeholder: this module's pages are being written.
import { Page } from '../lib/ui.jsx';

function Todo({ params }) {
  return <Page title="stores"><p>{JSON.stringify(params)}</p></Page>;
}

export const routes = [
  { path: '/b/:brand/stores', page: Todo },
  { path: '/b/:brand/stores/new', page: Todo, write: true },
  { path: '/b/:brand/stores/:store', page: Todo },
];
