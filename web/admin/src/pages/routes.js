// Every page of the UI: a path pattern (":brand" is the brand's clientId) and its component.
// platform: platform admins only; write: roles that change things (not brand viewers). The
// API enforces the same; the UI does not offer what it would refuse.
import { BrandList, BrandSettings } from './brands.jsx';
import { routes as audit } from './audit.jsx';
import { routes as chat } from './chat.jsx';
import { routes as customers } from './customers.jsx';
import { routes as integrations } from './integrations.jsx';
import { routes as menu } from './menu.jsx';
import { routes as metrics } from './metrics.jsx';
import { routes as orders } from './orders.jsx';
import { routes as stores } from './stores.jsx';
import { routes as texts } from './texts.jsx';

export const routes = [
  { path: '/brands', page: BrandList, platform: true },
  { path: '/b/:brand', page: BrandSettings },
  ...stores,
  ...integrations,
  ...menu,
  ...texts,
  ...chat,
  ...customers,
  ...orders,
  ...metrics,
  ...audit,
];
