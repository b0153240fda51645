import type ContentstackAppSDK from "@contentstack/app-sdk";

/** The SDK's location object, named without deep imports (contentstack-app.md §2). */
export type UiLocation = Awaited<ReturnType<typeof ContentstackAppSDK.init>>;
