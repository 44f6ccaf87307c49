-- A helper module required by the passing fixtures (not a test file).
return { answer = 42 }
