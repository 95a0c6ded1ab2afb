package flink.etctraffic;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * Bounded out-of-orderness (the newest passage minus the bound), plus an end for bounded replays: when a
 * Kafka partition has been quiet for `quietMs`, everything it held is taken as complete and its watermark
 * moves past the newest passage by the bound and one window, so every window closes and "the last output"
 * is defined. A passage that arrives after that is late (counted by the job's `latePassages` metric).
 * At the user's pace (a passage every few milliseconds) the quiet never comes and this is plain bounded
 * out-of-orderness.
 */
public class QuietFlushWatermarks implements WatermarkGenerator<Passage> {
  private final long boundMs;
  private final long quietMs;
  private final long windowMs;
  private long newest = Long.MIN_VALUE;
  private long lastEventWallMs = System.currentTimeMillis();

  public QuietFlushWatermarks(long boundMs, long quietMs, long windowMs) {
    this.boundMs = boundMs;
    this.quietMs = quietMs;
    this.windowMs = windowMs;
  }

  @Override
  public void onEvent(Passage p, long ts, WatermarkOutput out) {
    newest = Math.max(newest, ts);
    lastEventWallMs = System.currentTimeMillis();
  }

  @Override
  public void onPeriodicEmit(WatermarkOutput out) {
    if (newest == Long.MIN_VALUE) return;
    boolean quiet = quietMs > 0 && System.currentTimeMillis() - lastEventWallMs >= quietMs;
    out.emitWatermark(new Watermark(quiet ? newest + boundMs + windowMs : newest - boundMs - 1));
  }
}
