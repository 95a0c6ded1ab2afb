// Entry point named by Pulumi.yaml (`main`). The Node.js language host calls the default export.
import { etclabProgram } from './program.ts';

export default etclabProgram;
