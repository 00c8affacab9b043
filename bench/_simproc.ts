/** Child process for the sim benchmark: runs the full simulated city against URL at SPEED. */
import { runSimulator } from '../sim/run.ts';

const [url, speed] = process.argv.slice(2);
// Model time at a weekday morning peak (Wed 18 Nov 2026, 08:00 CET): full traffic, full transit service.
const sim = await runSimulator({ url: url!, speed: Number(speed), seed: 1, modelStartMs: Date.UTC(2026, 10, 18, 7, 0) });
process.stdout.write('running\n');
process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
