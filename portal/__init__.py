"""The web doors above the apps: the front door and the merchant portal (/merchant/), which owns
its URLs, pages, forms and web helpers and reads `insurance` and `claims` through their
selectors and services. Nothing imports the portal."""
