// Placeholder: this module's pages are being written.
import { Page } from '../lib/ui.jsx';

function Todo({ params }) {
  return <Page title="audit"><p>{JSON.stringify(params)}</p></Page>;
}

export const routes = [
  { path: '/b/:brand/audit', page: Todo },
];
