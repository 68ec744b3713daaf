// Every page of the client, one line each: importing a page module registers its route,
// its sidebar entry, its cards and its to-do kinds (shell/router.js, shell/cards.js).

import "./todo.js";
import "./chat.js";
import "./documents.js";
import "./drafts.js";
import "./meetings.js";
import "./approvals.js";
import "./archive.js";
import "./search.js";
import "./people.js";
import "./discussions.js";
import "./tasks.js";
import "./stats.js";
import "./admin.js";
import "./library.js";
import "./notices.js";
import "./bulletins.js";
