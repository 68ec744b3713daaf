// The web client's entry: every page registers itself (pages/index.js), then the chat loads
// the rooms, opens the one socket and starts the router (shell/router.js).

import "./pages/index.js";
import { startChat } from "./pages/chat.js";
import { startRouter } from "./shell/router.js";
import { startTodo } from "./shell/todo.js";

startChat({
  startRouter: () => {
    startTodo();
    startRouter({ home: "todo" });
  },
});
