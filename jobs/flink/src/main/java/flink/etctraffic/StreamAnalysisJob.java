package flink.etctraffic;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchemaBuilder;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.time.Time;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The ETC stream job template: reads the passages `etclab replay` writes to Kafka, with event time from GCSJ
 * and a watermark bound you choose, and writes
 *  - per checkpoint and minute, the number of passages (JSON to --flow-topic, keyed "checkpoint|minute"), and
 *  - every clone-plate pair: the same plate at two checkpoints less than 10 minutes apart (to --clone-topic).
 *
 * Run: etclab flink run target/etc-flink-job.jar --brokers node1:9092,node2:9092,node3:9092
 * Options (defaults in brackets):
 *   --topic [etc_traffic_data]  --group [etc_flink_job]  --flow-topic [etc_flink_flow_minute]
 *   --clone-topic [etc_flink_clone_plate]  --watermark-bound-sec [600]: how late a passage may arrive
 *   --quiet-sec [30]: a partition quiet this long is taken as complete (closes every window of a bounded
 *   replay; 0 = never)  --clone-gap-min [10]  --checkpoint-sec [10]
 * No credentials: Kafka on the lab has none. A job that needs a password reads it from a 0600 file on the
 * nodes, never from its arguments (Flink's REST API shows those to anyone).
 */
public class StreamAnalysisJob {
  // The names etclab's contract module (pipeline/contract/index.ts) defines; a test keeps them equal.
  static final String DEFAULT_TOPIC = "etc_traffic_data";
  static final String DEFAULT_GROUP = "etc_flink_job";
  static final String DEFAULT_FLOW_TOPIC = "etc_flink_flow_minute";
  static final String DEFAULT_CLONE_TOPIC = "etc_flink_clone_plate";
  static final long MINUTE = 60_000L;

  public static void main(String[] args) throws Exception {
    ParameterTool p = ParameterTool.fromArgs(args);
    String brokers = p.getRequired("brokers");
    long boundMs = p.getLong("watermark-bound-sec", 600) * 1000;
    long quietMs = p.getLong("quiet-sec", 30) * 1000;
    long gapMs = p.getLong("clone-gap-min", 10) * MINUTE;

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    // Offsets are committed to Kafka on each checkpoint; a restart resumes from the last one.
    env.enableCheckpointing(p.getLong("checkpoint-sec", 10) * 1000);
    env.getConfig().setGlobalJobParameters(p);

    KafkaSource<Passage> source = KafkaSource.<Passage>builder()
        .setBootstrapServers(brokers)
        .setTopics(p.get("topic", DEFAULT_TOPIC))
        .setGroupId(p.get("group", DEFAULT_GROUP))
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new PassageDeserializer())
        .build();
    // Watermarks per Kafka partition, inside the source: one reader reads several partitions in batches, so
    // a watermark taken after the source would run ahead of the partition read last and drop its passages as
    // late. A partition that never gets a passage is left out after a while.
    WatermarkStrategy<Passage> watermarks = WatermarkStrategy
        .<Passage>forGenerator(ctx -> new QuietFlushWatermarks(boundMs, quietMs, MINUTE))
        .withTimestampAssigner((passage, ts) -> passage.time)
        .withIdleness(Duration.ofMillis(Math.max(quietMs, 10_000) * 2));

    DataStream<Passage> passages = env.fromSource(source, watermarks, "etc passages (event time: GCSJ)");

    OutputTag<Passage> late = new OutputTag<Passage>("late") {};
    SingleOutputStreamOperator<String> flow = passages
        .keyBy(x -> x.checkpoint)
        .window(TumblingEventTimeWindows.of(Time.minutes(1)))
        .sideOutputLateData(late)
        .aggregate(new CountPassages(), new MinuteCount()).name("passages per checkpoint per minute");
    flow.getSideOutput(late).process(new CountLate()).name("late passages");

    DataStream<String> clones = passages.keyBy(x -> x.plate).process(new ClonePlates(gapMs)).name("clone plates");

    flow.sinkTo(kafka(brokers, p.get("flow-topic", DEFAULT_FLOW_TOPIC), true)).name("flow minutes → Kafka");
    clones.sinkTo(kafka(brokers, p.get("clone-topic", DEFAULT_CLONE_TOPIC), false)).name("clone plates → Kafka");
    env.execute(p.get("name", "etc stream analysis"));
  }

  private static KafkaSink<String> kafka(String brokers, String topic, boolean keyed) {
    KafkaRecordSerializationSchemaBuilder<String> schema = KafkaRecordSerializationSchema.<String>builder()
        .setTopic(topic).setValueSerializationSchema(new SimpleStringSchema());
    // The flow line's key is "checkpoint|minute": the newest value per key is the answer.
    if (keyed) schema.setKeySerializationSchema(line -> line.substring(line.indexOf("\"key\":\"") + 7, line.indexOf("\",")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return KafkaSink.<String>builder().setBootstrapServers(brokers).setRecordSerializer(schema.build())
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE).build();
  }

  static String esc(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** A message that is not a passage is counted (metric badMessages) and skipped: one bad row must not stop the job. */
  static class PassageDeserializer implements KafkaRecordDeserializationSchema<Passage> {
    private transient Counter bad;

    @Override
    public void open(DeserializationSchema.InitializationContext ctx) {
      bad = ctx.getMetricGroup().counter("badMessages");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Passage> out) {
      Passage p = record.value() == null ? null : Passage.parse(new String(record.value(), StandardCharsets.UTF_8));
      if (p == null) bad.inc();
      else out.collect(p);
    }

    @Override
    public TypeInformation<Passage> getProducedType() {
      return TypeInformation.of(Passage.class);
    }
  }

  static class CountLate extends ProcessFunction<Passage, Void> {
    private transient Counter late;

    @Override
    public void open(org.apache.flink.configuration.Configuration c) {
      late = getRuntimeContext().getMetricGroup().counter("latePassages");
    }

    @Override
    public void processElement(Passage p, Context ctx, Collector<Void> out) {
      late.inc();
    }
  }

  static class CountPassages implements AggregateFunction<Passage, Long, Long> {
    public Long createAccumulator() { return 0L; }
    public Long add(Passage p, Long n) { return n + 1; }
    public Long getResult(Long n) { return n; }
    public Long merge(Long a, Long b) { return a + b; }
  }

  static class MinuteCount extends ProcessWindowFunction<Long, String, String, TimeWindow> {
    @Override
    public void process(String checkpoint, Context ctx, Iterable<Long> counts, Collector<String> out) {
      String minute = Passage.beijing(ctx.window().getStart());
      long n = counts.iterator().next();
      out.collect(String.format("{\"key\":\"%s|%s\",\"checkpoint\":\"%s\",\"minute\":\"%s\",\"count\":%d}", esc(checkpoint), minute, esc(checkpoint), minute, n));
    }
  }
}
