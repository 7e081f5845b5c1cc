/**
 * The contract between the metrics plugin and where its figures go (EMF lines, a Powertools
 * `Metrics` object, a Prometheus registry). The plugin builds one observation per request and hands
 * it to every exporter; what an exporter throws is caught, so it never breaks a request.
 */
import type { CardinalitySettings, RequestObservation } from './observation.js';

/** How the plugin is set up, given to each exporter once, when the plugin is created. */
export interface ExporterSettings extends CardinalitySettings {
  /** Dimensions added to every series (`{ Service: 'payments' }`). */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Where the metrics of a plugin go. */
export interface MetricsExporter {
  /** Checks and keeps the plugin's settings (throws ConfigurationError when they cannot work). */
  attach(settings: ExporterSettings): void;
  /** Takes one request's figures. Synchronous: it runs on the request path. */
  observe(observation: RequestObservation): void;
  /** Publishes what is pending (batching exporters); the plugin's `flush()` calls it. */
  flush?(): void | Promise<void>;
  /**
   * Takes the latest value of a figure that stands for the whole process (the cost plugin's monthly
   * projection), published once per flush with the plugin's fixed dimensions only. Optional.
   */
  gauge?(name: string, value: number): void;
}
