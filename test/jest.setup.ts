// Jest keeps 100 frames per stack and maps every one through the source maps whenever a stack is
// read. The Pulumi SDK reads a stack for each promise it makes (runtime/debuggable.js), so under
// jest that mapping was a tenth of the infra suites' CPU. Node's default depth is enough for a
// failure to point at its test.
Error.stackTraceLimit = 10;
