SELECT 'afterInfo';
