/**
 * @since 0.2.0
 */
export * as RedisBudgetStore from "./RedisBudgetStore.js"
