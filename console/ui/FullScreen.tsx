// Sizes the console to the terminal and follows resizes. One line less than the rows: a frame as tall as
// the terminal makes Ink clear the whole screen on every update, which flickers.
import { useEffect, useState } from 'react';
import { useStdout } from 'ink';
import { ConsoleApp, type ConsoleAppProps } from './App.tsx';

export function FullScreenConsole(props: Omit<ConsoleAppProps, 'width' | 'height'>) {
  const { stdout } = useStdout();
  const size = () => ({ width: stdout.columns || 80, height: Math.max(10, (stdout.rows || 24) - 1) });
  const [dims, setDims] = useState(size);
  useEffect(() => {
    const on = () => setDims(size());
    stdout.on('resize', on);
    return () => void stdout.off('resize', on);
  }, [stdout]); // eslint-disable-line react-hooks/exhaustive-deps
  return <ConsoleApp {...props} width={dims.width} height={dims.height} />;
}
