// The test pages' boot script: the SDK entry is imported dynamically (the query's `entry`, else
// <meta name="pw-entry">, else /pathwise-entry.js); boot-page.js does the rest.
import { boot } from "./boot-page.js";

await boot((specifier) => import(specifier));
