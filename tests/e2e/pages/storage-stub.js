// Runs in <head> before the SDK: ?storage=throw makes the localStorage getter throw (cookies
// blocked, some private modes); ?storage=quota makes every write throw QuotaExceededError.
(() => {
const mode = new URLSearchParams(location.search).get("storage");
if (mode === "throw") {
  Object.defineProperty(window, "localStorage", {
    configurable: true,
    get() {
      throw new DOMException("The operation is insecure.", "SecurityError");
    },
  });
} else if (mode === "quota") {
  Storage.prototype.setItem = function () {
    throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
  };
}
})();
