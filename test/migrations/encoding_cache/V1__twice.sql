SELECT 'é';
